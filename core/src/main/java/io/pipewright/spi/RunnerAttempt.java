package io.pipewright.spi;

/**
 * An attempt as a target that runs steps in another process sees it (see {@link StepTask#outOfProcess()}): the
 * target calls {@link #start()}, runs the step runner it describes, hands over each line the runner writes on its
 * standard output with {@link #event}, and, once the runner has exited with status 0, calls {@link #complete()}. A
 * runner that exits otherwise (killed, out of memory, {@code System.exit}) fails the attempt with what the target
 * says about its end; {@code complete()} is then not called.
 *
 * <pre>{@code
 * StepDescription d = attempt.start();             // the attempt is RUNNING from here
 * Process p = new ProcessBuilder(java, "-cp", classpath, d.mainClass(), d.arguments().get(0)).start();
 * reader.lines().forEach(attempt::event);          // log lines and metrics, live
 * if (p.waitFor() == 0) attempt.complete();        // stores the outputs, or throws what the body threw
 * }</pre>
 *
 * <p>{@link #event} may be called from any one thread while the runner runs; the others once each, in order.
 */
public interface RunnerAttempt {
  /**
   * Marks the attempt started and writes its description.
   *
   * @throws java.util.concurrent.CancellationException if the attempt was stopped before it started: then start
   *     nothing
   * @throws io.pipewright.StepException if it cannot be described (a body that is neither a class nor Serializable)
   */
  StepDescription start() throws Exception;

  /**
   * Like {@link #start()}, for a step runner on another machine that shares only the workspace's datastore with this
   * one: makes sure every input is in the datastore, uploads the description there, and returns the runner's
   * arguments ({@code --datastore URI KEY}). That runner fetches its inputs from the datastore, and puts its outputs
   * and its result there, from where {@link #complete()} takes them. Credentials for the datastore are never in the
   * description or the arguments: the runner's machine finds them in its own environment.
   *
   * @throws java.util.concurrent.CancellationException if the attempt was stopped before it started
   * @throws io.pipewright.StepException if it cannot be described, or the workspace has no datastore
   */
  StepDescription startRemote() throws Exception;

  /**
   * One line the step runner wrote on its standard output: its log lines and metrics, or anything the body printed,
   * which goes to the step's log.
   */
  void event(String line);

  /**
   * Reads the result the step runner left and, when the body succeeded, stores its outputs as for an attempt run in
   * process; otherwise throws a {@link io.pipewright.StepException} with the body's failure in one line (retryable
   * unless the body said otherwise).
   */
  void complete() throws Exception;
}
