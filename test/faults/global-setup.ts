import sharedSetup from '../global-setup';
import { clearRows } from './report';

/** The shared stack up and dist/ built, as for `npm test`; the previous run's rows cleared. */
export default function globalSetup(): void {
  sharedSetup();
  clearRows();
}
