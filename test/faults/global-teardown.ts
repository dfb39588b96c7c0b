import { publishResults } from './report';

export default function globalTeardown(): void {
  publishResults();
}
