package io.pipewright.compute.spark;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTarget;
import io.pipewright.spi.ComputeTargetProvider;
import io.pipewright.spi.ComputeTargetSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compute target type {@code spark}: steps run in this JVM with a shared {@link org.apache.spark.sql.SparkSession}
 * ({@link SparkTarget}).
 *
 * <pre>{@code
 * "targets": {
 *   "spark": {"type": "spark", "master": "local[4]", "appName": "etl", "maxConcurrentSteps": 2,
 *             "conf": {"spark.sql.shuffle.partitions": 8, "spark.driver.memory": "4g"}}
 * }
 * }</pre>
 *
 * <p>Settings, all optional: {@code master} ({@code local[*]}), {@code appName} ({@code pipewright}), {@code conf}
 * (Spark settings: strings, numbers or booleans), {@code cpus} (for {@code local[N]} N, for {@code local[*]} and
 * cluster masters this machine's processors), {@code memory} (the JVM's maximum heap), {@code maxConcurrentSteps}
 * ({@code cpus}). {@code spark.ui.enabled} is false and a local master binds to {@code 127.0.0.1} unless
 * {@code conf} says otherwise.
 */
public final class SparkTargetProvider implements ComputeTargetProvider {
  private static final Pattern LOCAL_THREADS = Pattern.compile("local\\[(\\d+)(,\\d+)?]");

  @Override
  public String type() {
    return "spark";
  }

  @Override
  public ComputeTarget create(ComputeTargetSettings settings) {
    settings.only("master", "appName", "conf", "maxConcurrentSteps", "cpus", "memory");
    String master = settings.string("master", "local[*]").trim();
    if (master.isEmpty()) {
      throw settings.wrongType("master", "a Spark master URL such as \"local[*]\" or \"spark://host:7077\"", master);
    }
    String appName = settings.string("appName", "pipewright");
    Map<String, String> conf = conf(settings);
    int cpus = settings.integer("cpus", defaultCpus(master), 1);
    long memory = settings.size("memory", Runtime.getRuntime().maxMemory());
    int steps = settings.integer("maxConcurrentSteps", cpus, 1);
    return new SparkTarget(settings.name(), master, appName, conf, new Capacity(cpus, memory, 0, steps));
  }

  /** {@code N} for {@code local[N]}, 1 for {@code local}, else this machine's processors. */
  static int defaultCpus(String master) {
    if (master.equals("local")) {
      return 1;
    }
    Matcher m = LOCAL_THREADS.matcher(master);
    if (m.matches()) {
      try {
        return Math.max(1, Integer.parseInt(m.group(1)));
      } catch (NumberFormatException e) {
        return Runtime.getRuntime().availableProcessors();
      }
    }
    return Runtime.getRuntime().availableProcessors();
  }

  private static Map<String, String> conf(ComputeTargetSettings settings) {
    Object value = settings.values().get("conf");
    Map<String, String> conf = new LinkedHashMap<>();
    if (value == null) {
      return conf;
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw settings.wrongType("conf", "an object of Spark settings", value);
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      Object v = e.getValue();
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw settings.wrongType("conf." + key, "a string, number or boolean", v);
      }
      conf.put(key, String.valueOf(v));
    }
    return conf;
  }
}
