// The performance targets of a full run, as data: what each one measures, how the figure reads and
// the threshold it must meet. A target the run did not measure (its servers left out, memory
// skipped) is left out of the list.
import { factor, megabytes } from './figures';
import type { MemoryResult } from './memory';
import type { MicroSummary } from './micro';
import type { ServerKind, Target } from './protocol';
import { pairedMedian, queueCpuRatio, type Floors, type ServerSummary, type Summaries } from './throughput';

/** What a full run measured, which the targets read. */
interface RunResults {
  summaries: Summaries;
  floors: Floors;
  memory: MemoryResult | undefined;
  micro: MicroSummary[];
}

const COMPARISONS = {
  '≥': (figure: number, threshold: number) => figure >= threshold,
  '≤': (figure: number, threshold: number) => figure <= threshold,
  '<': (figure: number, threshold: number) => figure < threshold,
};

interface TargetEntry {
  /** The target as printed; a function where the text names a figure of the run (called only when measured). */
  description: string | ((results: RunResults) => string);
  /** The figure measured, or undefined when the run did not measure it. */
  measure(results: RunResults): number | undefined;
  format(figure: number): string;
  /** Met when `figure <comparison> threshold`. */
  comparison: keyof typeof COMPARISONS;
  threshold: number;
}

const micros = (figure: number) => `${figure.toFixed(1)} µs`;
const whole = (figure: number) => figure.toFixed(0);

/** `kind`'s figure over express-handwritten's, each the median of its rounds. */
const overExpressHandwritten =
  (kind: ServerKind, figure: keyof Omit<ServerSummary, 'rounds'>) =>
  ({ summaries }: RunResults): number | undefined => {
    const summary = summaries[kind];
    const base = summaries['express-handwritten'];
    return summary && base ? summary[figure] / base[figure] : undefined;
  };

const eventsPerCpuSecond = (micro: MicroSummary[], name: MicroSummary['case']) =>
  micro.find((result) => result.case === name)?.eventsPerCpuSecond;

const TARGETS: readonly TargetEntry[] = [
  {
    description: 'middleware req/s ≥ 1.0× express-handwritten',
    measure: overExpressHandwritten('middleware', 'requestsPerSecond'),
    format: factor,
    comparison: '≥',
    threshold: 1,
  },
  {
    description: 'middleware CPU/request ≤ express-handwritten',
    measure: overExpressHandwritten('middleware', 'cpuMicrosPerRequest'),
    format: factor,
    comparison: '≤',
    threshold: 1,
  },
  {
    description: 'middleware p99 ≤ 1.1× express-handwritten',
    measure: overExpressHandwritten('middleware', 'p99Ms'),
    format: factor,
    comparison: '≤',
    threshold: 1.1,
  },
  {
    description: 'middleware+token req/s ≥ 0.95× express-handwritten',
    measure: overExpressHandwritten('middleware+token', 'requestsPerSecond'),
    format: factor,
    comparison: '≥',
    threshold: 0.95,
  },
  {
    description: 'queue-middleware CPU/request ≤ queue-handwritten',
    measure: ({ summaries }) => queueCpuRatio(summaries),
    format: factor,
    comparison: '≤',
    threshold: 1,
  },
  {
    description: 'listener CPU efficiency ≥ 0.90× node-http',
    measure: ({ floors }) => floors.listener?.cpuEfficiency,
    format: factor,
    comparison: '≥',
    threshold: 0.9,
  },
  {
    description: 'listener+token adds ≤ 3 µs CPU/request to listener',
    measure: ({ summaries: { listener, 'listener+token': signedListener } }) =>
      listener && signedListener
        ? pairedMedian(
            signedListener,
            listener,
            (round, unsigned) => round.cpuMicrosPerRequest - unsigned.cpuMicrosPerRequest,
          )
        : undefined,
    format: micros,
    comparison: '≤',
    threshold: 3,
  },
  {
    description: ({ memory }) => `RSS growth over ${memory!.requests} requests < 20 MB`,
    measure: ({ memory }) => memory?.rssGrowthBytes,
    format: megabytes,
    comparison: '<',
    threshold: 20 * 1024 * 1024,
  },
  {
    description: 'core ≥ 150,000 valid events/s on one core (per CPU second)',
    measure: ({ micro }) => eventsPerCpuSecond(micro, 'valid'),
    format: whole,
    comparison: '≥',
    threshold: 150_000,
  },
  {
    description: 'core: a one-to-one recall costs no more than a group recall (events per CPU second ≥ 1.0×)',
    measure: ({ micro }) => {
      const valid = eventsPerCpuSecond(micro, 'valid');
      const c2c = eventsPerCpuSecond(micro, 'c2c-valid');
      return valid !== undefined && c2c !== undefined ? c2c / valid : undefined;
    },
    format: factor,
    comparison: '≥',
    threshold: 1,
  },
];

/** Each target of TARGETS the run measured, met or not. */
export function checkTargets(results: RunResults): Target[] {
  return TARGETS.flatMap((entry) => {
    const figure = entry.measure(results);
    if (figure === undefined) return [];
    const { description } = entry;
    return [
      {
        target: typeof description === 'string' ? description : description(results),
        measured: entry.format(figure),
        met: COMPARISONS[entry.comparison](figure, entry.threshold),
      },
    ];
  });
}

export function printTargets(checked: readonly Target[]): void {
  console.log('\nTargets:');
  for (const target of checked)
    console.log(`  ${target.met ? 'met   ' : 'MISSED'} ${target.target}: ${target.measured}`);
}
