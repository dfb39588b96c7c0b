import { progressLine } from './progress';
import { SendStats } from './sender';

describe('progressLine', () => {
  it('shows what was sent, the rate, the answers by status, retries, drops and in flight', () => {
    const stats = new SendStats();
    stats.started = 1500;
    stats.retries = 3;
    stats.gaveUp = 1;
    stats.inFlight = 4;
    stats.count('200');
    stats.count('503');
    stats.count('503');
    expect(progressLine(3000, stats, 500, 1000)).toBe(
      '[simulate]    3 s  sent 1,500  1,000/s  200: 1  503: 2  retries 3  dropped 1  in flight 4',
    );
  });
});
