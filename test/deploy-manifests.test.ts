import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CLI_ENV_VARS, CliConfig, INGESTION_ENV_VARS, IngestionConfig, PROJECTOR_ENV_VARS, ProjectorConfig } from '@wise/config';

// No cluster here: deploy/k8s is loaded as kustomize would load it and checked by hand-written
// structural rules (the fields each kind requires, references that must resolve), plus what this
// product needs: probes on the operations ports, projector replicas within the partitions, and
// no secret in plain text.
const DIR = join(__dirname, '..', 'deploy', 'k8s');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as Obj;
const docs: Obj[] = (kustomization.resources as string[]).flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    expect([file, d.errors]).toEqual([file, []]);
    return d.toJS({ maxAliasCount: 100 }) as Obj;
  }),
);
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const one = (kind: string, name: string) => {
  const found = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  expect([kind, name, found !== undefined]).toEqual([kind, name, true]);
  return found!;
};
const configMap = (name: string) => one('ConfigMap', name).data as Record<string, string>;

const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
};
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|_KEY$|DATABASE_URL$/;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const deployments = () => byKind('Deployment');
/** Everything that runs a pod: the Deployments, the migrate Job and the purge CronJob's jobs (each with spec.template). */
const workloads = () => [...deployments(), ...byKind('Job'), ...byKind('CronJob').map((c) => c.spec.jobTemplate)];
/** The Secret key a container's variable comes from. */
const secretKeyOf = (container: Obj, name: string) =>
  (container.env ?? []).find((e: Obj) => e.name === name)?.valueFrom?.secretKeyRef?.key as string | undefined;
/** secrets.env.example as key → value. */
const secretsExample = (): Record<string, string> =>
  Object.fromEntries(
    readFileSync(join(DIR, 'secrets.env.example'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
/** A Kubernetes memory quantity in Mi or Gi, in MiB; undefined for anything else. */
const mebibytes = (q: unknown): number | undefined => {
  const m = /^(\d+)(Mi|Gi)$/.exec(String(q));
  return m ? Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1) : undefined;
};
const podLabels = (d: Obj) => d.spec.template.metadata.labels as Record<string, string>;

/** Every variable a container gets: from its ConfigMaps and its env entries. */
function containerEnv(container: Obj): Map<string, { from: string; value?: string }> {
  const out = new Map<string, { from: string; value?: string }>();
  for (const src of container.envFrom ?? [])
    for (const [k, v] of Object.entries(configMap(src.configMapRef.name)))
      out.set(k, { from: `configmap ${src.configMapRef.name}`, value: v });
  for (const e of container.env ?? [])
    out.set(e.name, e.valueFrom ? { from: e.valueFrom.secretKeyRef ? 'secret' : 'other' } : { from: 'literal', value: e.value });
  return out;
}

describe('deploy/k8s', () => {
  it('lists every manifest file in kustomization.yaml, each document of a known kind with apiVersion, kind and a valid name', () => {
    expect(kustomization.kind).toBe('Kustomization');
    expect(docs.length).toBeGreaterThanOrEqual(10);
    for (const d of docs) {
      expect([d.kind, d.apiVersion]).toEqual([d.kind, API_VERSIONS[d.kind]]);
      expect(d.metadata?.name).toMatch(DNS_LABEL);
      // kustomize sets the namespace; a manifest naming another one would escape it.
      expect([d.metadata.name, d.metadata.namespace]).toEqual([d.metadata.name, undefined]);
    }
    expect(one('Namespace', kustomization.namespace)).toBeDefined();
    const names = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives each Deployment the fields its kind requires, a selector that matches its pods, and containers with an image and a command', () => {
    expect(
      deployments()
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['ingestion', 'projector']);
    for (const d of deployments()) {
      expect(Number.isInteger(d.spec.replicas) && d.spec.replicas >= 1).toBe(true);
      expect(matches(d.spec.selector.matchLabels, podLabels(d))).toBe(true);
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
      for (const c of d.spec.template.spec.containers) {
        expect(c.name).toMatch(DNS_LABEL);
        expect(kustomization.images.map((i: Obj) => i.name)).toContain(c.image);
        expect(c.command).toEqual(['node', `dist/apps/${d.metadata.name}/src/main.js`]);
        expect(c.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        // A memory limit on every container, so that none can take what the node's others need.
        expect([c.name, mebibytes(c.resources.limits?.memory)]).toEqual([c.name, expect.any(Number)]);
        expect(mebibytes(c.resources.limits.memory)).toBeGreaterThanOrEqual(mebibytes(c.resources.requests.memory)!);
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
        for (const p of c.ports) expect(p.containerPort).toBeGreaterThan(0);
      }
    }
  });

  it('points the Service, the HorizontalPodAutoscaler and the PodDisruptionBudgets at existing pods', () => {
    const svc = one('Service', 'ingestion');
    const ingestion = one('Deployment', 'ingestion');
    expect(matches(svc.spec.selector, podLabels(ingestion))).toBe(true);
    const ports = ingestion.spec.template.spec.containers[0].ports.map((p: Obj) => p.name);
    for (const p of svc.spec.ports) expect(ports).toContain(p.targetPort);
    // The public Service carries webhooks only; the operations port stays inside the cluster.
    expect(svc.spec.ports.map((p: Obj) => p.targetPort)).toEqual(['http']);
    for (const pdb of byKind('PodDisruptionBudget')) {
      const target = deployments().filter((d) => matches(pdb.spec.selector.matchLabels, podLabels(d)));
      expect([pdb.metadata.name, target.length]).toEqual([pdb.metadata.name, 1]);
      expect((pdb.spec.minAvailable === undefined) !== (pdb.spec.maxUnavailable === undefined)).toBe(true);
    }
    expect(byKind('PodDisruptionBudget').map((p) => p.metadata.name)).toContain('ingestion');
  });

  it('scales ingestion on CPU, never below two replicas, so a drain under the PodDisruptionBudget keeps one serving', () => {
    const hpa = one('HorizontalPodAutoscaler', 'ingestion');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ingestion' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } },
    ]);
    const pdb = one('PodDisruptionBudget', 'ingestion');
    expect(pdb.spec.maxUnavailable ?? hpa.spec.minReplicas - pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
    // CPU utilization is measured against requests: without one the HPA cannot work.
    expect(one('Deployment', 'ingestion').spec.template.spec.containers[0].resources.requests.cpu).toBeDefined();
  });

  it.each([
    ['ingestion', 'OPS_PORT', '/ready'],
    ['projector', 'PROJECTOR_METRICS_PORT', '/ready'],
  ])('probes %s on its operations port (%s): readiness on %s, liveness on /health', (name, portVar, readyPath) => {
    const c = one('Deployment', name).spec.template.spec.containers[0];
    const opsPort = c.ports.find((p: Obj) => p.name === 'ops');
    expect(String(opsPort.containerPort)).toBe(containerEnv(c).get(portVar)?.value);
    expect(c.readinessProbe.httpGet).toEqual({ path: readyPath, port: 'ops' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'ops' });
    expect(c.startupProbe.httpGet.port).toBe('ops');
  });

  it('runs no more projector replicas than the topics have partitions (extra consumers would idle)', () => {
    const partitions = Number(configMap('wise-common').KAFKA_TOPIC_PARTITIONS);
    expect(partitions).toBeGreaterThanOrEqual(1);
    expect(one('Deployment', 'projector').spec.replicas).toBeLessThanOrEqual(partitions);
    for (const hpa of byKind('HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === 'projector'))
      expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(partitions);
  });

  it.each([
    ['ingestion', INGESTION_ENV_VARS, ['DATABASE_URL']],
    ['projector', PROJECTOR_ENV_VARS, ['CLICKHOUSE_PASSWORD', 'DATABASE_URL']],
  ])('gives %s every variable it reads, with values its config accepts, and only the secrets it uses', (name, vars, secrets) => {
    const env = containerEnv(one('Deployment', name).spec.template.spec.containers[0]);
    const values = Object.fromEntries(
      [...env].map(([k, v]) => [k, v.from === 'secret' ? (k === 'DATABASE_URL' ? 'postgres://wise:x@pg:5432/wise' : 'x') : v.value]),
    );
    expect(() => (name === 'ingestion' ? IngestionConfig : ProjectorConfig).parse(values)).not.toThrow();
    const secretNames = [...env].filter(([, v]) => v.from === 'secret').map(([k]) => k);
    expect(secretNames.sort()).toEqual(secrets);
    // A secret it does not use falls back to its harmless default (no password, a local URL).
    const unused = (n: string) => SECRET_NAME.test(n) && !secrets.includes(n);
    expect([...env.keys()].sort()).toEqual((vars as string[]).filter((v) => !unused(v)));
  });

  it('migrates in a Job, as the owner, and gives each app its own PostgreSQL role, whose password the Job sets from the same Secret key', () => {
    const job = one('Job', 'migrate');
    const pod = job.spec.template.spec;
    expect(['OnFailure', 'Never']).toContain(pod.restartPolicy);
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    const [c] = pod.containers;
    expect(kustomization.images.map((i: Obj) => i.name)).toContain(c.image);
    expect(c.command).toEqual(['node', 'dist/apps/cli/src/main.js', 'migrate']);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    const env = containerEnv(c);
    expect([...env.keys()].every((k) => CLI_ENV_VARS.includes(k))).toBe(true);
    const values = Object.fromEntries([...env].map(([k, v]) => [k, v.from === 'secret' ? 'postgres://u:x@pg:5432/wise' : v.value]));
    expect(() => CliConfig.parse(values)).not.toThrow();
    const ingestion = one('Deployment', 'ingestion').spec.template.spec.containers[0];
    const projector = one('Deployment', 'projector').spec.template.spec.containers[0];
    expect(secretKeyOf(c, 'DATABASE_URL')).toBe('OWNER_DATABASE_URL');
    expect([secretKeyOf(c, 'INGESTION_DATABASE_URL'), secretKeyOf(c, 'PROJECTOR_DATABASE_URL')]).toEqual([
      secretKeyOf(ingestion, 'DATABASE_URL'),
      secretKeyOf(projector, 'DATABASE_URL'),
    ]);
    const example = secretsExample();
    const user = (key: string) => new URL(example[key]).username;
    expect([user('INGESTION_DATABASE_URL'), user('PROJECTOR_DATABASE_URL')]).toEqual(['wise_ingestion', 'wise_projector']);
    expect(['wise_ingestion', 'wise_projector']).not.toContain(user('OWNER_DATABASE_URL'));
  });

  it('purges dead keys nightly in a CronJob, one run at a time, as the owner the CLI needs', () => {
    const cron = one('CronJob', 'purge');
    expect(cron.spec.schedule).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(['OnFailure', 'Never']).toContain(pod.restartPolicy);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    const [c] = pod.containers;
    expect(kustomization.images.map((i: Obj) => i.name)).toContain(c.image);
    expect(c.command).toEqual(['node', 'dist/apps/cli/src/main.js', 'purge']);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(mebibytes(c.resources.limits?.memory)).toBeGreaterThanOrEqual(mebibytes(c.resources.requests.memory)!);
    const env = containerEnv(c);
    expect([...env.keys()].every((k) => CLI_ENV_VARS.includes(k))).toBe(true);
    const values = Object.fromEntries([...env].map(([k, v]) => [k, v.from === 'secret' ? 'postgres://u:x@pg:5432/wise' : v.value]));
    expect(() => CliConfig.parse(values)).not.toThrow();
    expect(secretKeyOf(c, 'DATABASE_URL')).toBe(secretKeyOf(one('Job', 'migrate').spec.template.spec.containers[0], 'DATABASE_URL'));
  });

  it('keeps secrets out of plain text: none in a ConfigMap or an env literal, all from the Secret the generator makes from an uncommitted file', () => {
    for (const cm of byKind('ConfigMap')) {
      for (const [k, v] of Object.entries(cm.data as Record<string, string>)) {
        expect([cm.metadata.name, k, SECRET_NAME.test(k)]).toEqual([cm.metadata.name, k, false]);
        expect([k, /:\/\/[^/\s:@]+:[^/\s@]+@/.test(v)]).toEqual([k, false]); // no credentials in a URL
      }
    }
    for (const d of workloads()) {
      for (const c of d.spec.template.spec.containers) {
        for (const e of c.env ?? []) {
          if (SECRET_NAME.test(e.name))
            expect([e.name, e.value, e.valueFrom?.secretKeyRef?.name]).toEqual([e.name, undefined, 'wise-secrets']);
        }
      }
    }
    expect(byKind('Secret')).toEqual([]);
    const generator = kustomization.secretGenerator.find((g: Obj) => g.name === 'wise-secrets');
    expect(generator.envs).toEqual(['secrets.env']);
    expect(readFileSync(join(__dirname, '..', '.gitignore'), 'utf8').split('\n')).toContain('deploy/k8s/secrets.env');
    // The example has every key the Deployments reference, with placeholders only.
    const example = secretsExample();
    const referenced = workloads().flatMap((d) =>
      d.spec.template.spec.containers.flatMap((c: Obj) => (c.env ?? []).map((e: Obj) => e.valueFrom?.secretKeyRef?.key).filter(Boolean)),
    );
    for (const key of referenced) expect([key, key in example]).toEqual([key, true]);
    for (const v of Object.values(example)) expect(v).toMatch(/replace-me/);
    expect(existsSync(join(DIR, 'secrets.env'))).toBe(false);
  });
});
