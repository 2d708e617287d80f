package io.pipewright.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.function.ToLongFunction;

/** What the hand-timed diagnostics share: CPU time by thread group, and medians. */
final class Measures {
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private Measures() {}

  /** CPU time of the live threads whose names start with the prefix: this run's, as each run has a new workspace. */
  static long cpuOf(String prefix) {
    long total = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        total += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
      }
    }
    return total;
  }

  static <T> double median(List<T> samples, ToLongFunction<T> f) {
    long[] values = samples.stream().mapToLong(f).sorted().toArray();
    int mid = values.length / 2;
    return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
  }
}
