package io.pipewright;

import java.util.List;

/**
 * Thrown on submit when a pipeline, or the parameters given for a run, are invalid. Carries every problem found, not
 * just the first, so one edit-run cycle fixes them all.
 */
public final class ValidationException extends UserException {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  public ValidationException(String pipeline, List<Problem> problems) {
    super(describe(pipeline, problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, in the order found: structure first, then targets and resources, then parameters. */
  public List<Problem> problems() {
    return problems;
  }

  private static String describe(String pipeline, List<Problem> problems) {
    StringBuilder message = new StringBuilder("pipeline '").append(pipeline).append("' is invalid");
    if (problems.size() == 1) {
      return message.append(": ").append(problems.get(0).message()).toString();
    }
    message.append(" (").append(problems.size()).append(" problems):");
    for (Problem problem : problems) {
      message.append("\n  - ").append(problem.message());
    }
    return message.toString();
  }
}
