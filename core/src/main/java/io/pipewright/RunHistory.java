package io.pipewright;

import java.util.List;
import java.util.Optional;

/** The runs recorded in a workspace's run store, newest first. */
public interface RunHistory {
  /** The latest {@code limit} runs, newest first. */
  List<Run> list(int limit);

  /** A run by its id or a unique prefix of it (as printed by the command line). */
  Optional<Run> find(String idOrPrefix);

  /**
   * Like {@link #find}, but a missing or ambiguous id is a {@link UserException} naming it.
   */
  Run get(String idOrPrefix);

  /** The lines a step of a run logged, in order. */
  List<RunEvent.Log> logs(String runId, String step);

  /** A recorded fingerprint, by hash ({@link StepRun#fingerprint()}), with its components. */
  Optional<Fingerprint> fingerprint(String hash);

  /**
   * Why a step of a run ran or was reused: compared with the closest earlier execution, the differences of its
   * fingerprint in words, or why an equal fingerprint was not reused. See {@link Explanation}.
   *
   * @throws UserException if the run is unknown or ambiguous, or has no such step (the message lists its steps)
   */
  Explanation explain(String runIdOrPrefix, String step);
}
