package io.pipewright.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One attempt of one step, described for the step runner that runs it in another JVM: the runner's main class, its
 * arguments, and the JSON file describing the attempt (its workspace, run, step, attempt, body, the parameters it
 * uses, the locations of its inputs, its declared outputs, its staging folder and its fingerprint). An out-of-process
 * target starts {@code java [options] -cp CLASSPATH mainClass arguments...} on a machine that sees the paths in the
 * file; today that is this machine, as inputs and outputs are local paths of the workspace.
 *
 * @param mainClass the step runner's entry point
 * @param arguments its arguments (the description file's path)
 * @param file the description, as written by the engine
 */
public record StepDescription(String mainClass, List<String> arguments, Path file) {
  public StepDescription {
    Objects.requireNonNull(mainClass, "mainClass");
    arguments = List.copyOf(arguments);
    Objects.requireNonNull(file, "file");
  }
}
