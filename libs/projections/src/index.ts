export * from './projected-tables';
export { deliveryRank, ProjectionError } from './columns';
export { projectEvent, type Projection } from './projections';
export { projectMessage, type StepResult } from './project-message';
export { eventStoreRow, type StoredEvent } from './event-store-row';
export { ingestionQuarantineRow, quarantineRow, refusedRowQuarantine, wellFormedQuarantineRow, type Quarantined } from './quarantine';
export { projectEvents, projectKafkaBatch, type ProjectedBatch, type SourceMessage } from './project-batch';
export {
  NOT_REPLAYABLE,
  replayVerdict,
  UNVERIFIED,
  type InstituteStanding,
  type QuarantinedDelivery,
  type ReplayVerdict,
} from './quarantine-replay';
export { UNKNOWN_START_S } from './sessions.projection';
