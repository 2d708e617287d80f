package io.pipewright;

import java.util.Locale;

/** What a step does in an ML workflow. Kinds set defaults (later: reuse, typed outputs) and label runs. */
public enum StepKind {
  PREP,
  TRAIN,
  EVALUATE,
  DEPLOY,
  CUSTOM;

  /** The lower-case name shown to users: {@code prep}, {@code train}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return label();
  }
}
