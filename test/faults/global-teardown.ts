import { publishResults, SINGLE_NODE } from './report';

export default function globalTeardown(): void {
  publishResults(SINGLE_NODE);
}
