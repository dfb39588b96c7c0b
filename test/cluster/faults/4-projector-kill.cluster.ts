import { waitFor } from '@wise/testing';
import { startProjector } from '../../helpers';
import { groupState } from './cluster';
import { clusterFaultScenario } from './rig';

// One of the two projectors crashes mid-batch (SIGKILL). When its session times out (30 s) the
// group gives all six partitions to the other, which resumes each from its last commit: what the
// dead one wrote but did not commit is written again and collapses. Then it is restarted and the
// group shares the partitions again.
clusterFaultScenario('cluster 4. a projector SIGKILLed; the other takes its partitions; restarted', {
  order: 4,
  name: '4. Projector SIGKILL (other takes over), restart',
  fault: async (env, apps) => {
    await apps.projectors[1].stop('SIGKILL');
    await waitFor(
      'the surviving projector to hold every partition (a stable group of one)',
      async () => {
        const g = await groupState(env);
        return g.state === 'Stable' && g.members === 1;
      },
      60000,
      500,
    );
    apps.projectors[1] = await startProjector(env);
  },
  moreChecks: async (env) => {
    const g = await groupState(env);
    return g.members === 2 ? [] : [`the restarted projector did not rejoin: the group has ${g.members} member(s), state ${g.state}`];
  },
});
