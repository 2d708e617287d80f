package io.pipewright;

/**
 * Receives the events of a run. Called on the engine's threads, possibly several at once: implementations must be
 * thread-safe and quick (hand slow work to a queue). An exception thrown by a listener is logged and ignored.
 */
@FunctionalInterface
public interface RunListener {
  void onEvent(RunEvent event);
}
