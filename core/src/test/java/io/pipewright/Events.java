package io.pipewright;

import java.util.ArrayList;
import java.util.List;

/** A listener that keeps every event of a run, in the order it received them. */
final class Events implements RunListener {
  private final List<RunEvent> events = new ArrayList<>();

  @Override
  public synchronized void onEvent(RunEvent event) {
    events.add(event);
  }

  synchronized List<RunEvent> all() {
    return List.copyOf(events);
  }

  <T extends RunEvent> List<T> of(Class<T> type) {
    return all().stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Each event as "Type" or "Type step", e.g. {@code StepStarted train}. */
  List<String> names() {
    return all().stream().map(Events::name).toList();
  }

  /** Where the first event of this type and step lies in the sequence, -1 if none. */
  int indexOf(Class<? extends RunEvent> type, String step) {
    List<RunEvent> all = all();
    for (int i = 0; i < all.size(); i++) {
      if (type.isInstance(all.get(i)) && step.equals(all.get(i).step())) {
        return i;
      }
    }
    return -1;
  }

  static String name(RunEvent event) {
    String type = event.getClass().getSimpleName();
    return event.step() == null ? type : type + " " + event.step();
  }
}
