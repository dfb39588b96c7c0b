import { KafkaConnection } from '@wise/kafka';

export interface GroupState {
  state: string;
  members: number;
}

/**
 * The projector's consumer group as the broker sees it. A stopped projector leaves the group on
 * shutdown (state Empty, or Dead if it never committed); a crashed one stays a member until its
 * session times out (30 s).
 */
export async function projectorGroupState(kafka: KafkaConnection, groupId: string): Promise<GroupState> {
  const { groups } = await kafka.withAdmin((admin) => admin.describeGroups([groupId]));
  const group = groups.find((g) => g.groupId === groupId);
  return { state: group?.state ?? 'Dead', members: group?.members.length ?? 0 };
}
