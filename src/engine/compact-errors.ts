/** The typed error of compaction. */
import { QedError } from '../qed/errors.ts';

/**
 * An image that compaction refuses to rewrite (unknown compatible feature bits, whose data after
 * the header it cannot carry over), or a compacted copy that failed its own check (nothing is
 * replaced then). A corrupt source gives `QedCorruptionError` instead: repair it first.
 */
export class QedCompactionError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedCompactionError';
}
