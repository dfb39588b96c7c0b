import sharedSetup from '../global-setup';
import { clearRows, SINGLE_NODE } from './report';

/** The shared stack up and dist/ built, as for `npm test`; the previous run's rows cleared. */
export default function globalSetup(): void {
  sharedSetup();
  clearRows(SINGLE_NODE);
}
