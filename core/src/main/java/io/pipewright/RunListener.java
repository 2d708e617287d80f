package io.pipewright;

/**
 * Receives the events of a run. Called on the engine's threads, possibly several at once: implementations must be
 * thread-safe and quick (hand slow work to a queue). Whatever a listener throws, an exception or an error such as a
 * failed assertion, is logged and ignored.
 */
@FunctionalInterface
public interface RunListener {
  void onEvent(RunEvent event);
}
