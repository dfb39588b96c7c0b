import { ingestionRestartScenario } from './ingestion-restart';

// Ingestion is stopped (SIGTERM, as a deploy does) under load and a new process takes its port:
// requests in flight are answered before it exits, and every 200 it gave is in Kafka (so in events).
ingestionRestartScenario(4, '4. Ingestion SIGTERM under load, then a new process', '4. Ingestion SIGTERM, new process', 'SIGTERM');
