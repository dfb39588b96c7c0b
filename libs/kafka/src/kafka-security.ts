/* How the clients prove who they are and whom they talk to (docs/kafka-security.md). */

/** TLS towards the brokers: PEM contents (not paths); no `ca` means Node's bundled CAs. */
export interface KafkaTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface KafkaSasl {
  mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  username: string;
  password: string;
}
