import { ingestionRestartScenario } from './ingestion-restart';

// Ingestion crashes (SIGKILL) under load and a new process takes its port: requests in flight get
// a broken connection and Wise retries them; a 200 is only given after Kafka acknowledged the body.
ingestionRestartScenario(5, '5. Ingestion SIGKILL under load, then a new process', '5. Ingestion SIGKILL, new process', 'SIGKILL');
