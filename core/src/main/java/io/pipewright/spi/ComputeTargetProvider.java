package io.pipewright.spi;

/**
 * Creates the compute targets of one type, as named by {@code "type"} in a workspace's config file: {@code local} and
 * {@code process} (in core), and, in their own modules, {@code gpu} ({@code io.pipewright:pipewright-compute-gpu}),
 * {@code spark} ({@code io.pipewright:pipewright-compute-spark}) and {@code kubernetes}
 * ({@code io.pipewright:pipewright-compute-kubernetes}). Found by {@link ComputeTargets} with {@link
 * java.util.ServiceLoader}: register implementations in
 * {@code META-INF/services/io.pipewright.spi.ComputeTargetProvider}; they need a public no-argument constructor. Two
 * providers of one type are an error that names both.
 *
 * <p>A workspace creates each target its config defines once, when it opens, reuses it for all its runs, and closes it
 * when it closes. The engine, not the target, queues steps, accounts for capacity, and applies timeouts and retries:
 * a target only runs what it is given (see {@link ComputeTarget}).
 *
 * <pre>{@code
 * public final class GpuTargetProvider implements ComputeTargetProvider {
 *   public String type() { return "gpu"; }
 *   public ComputeTarget create(ComputeTargetSettings settings) {
 *     settings.only("devices", "memory");
 *     return new GpuTarget(settings.name(), settings.string("devices", "all"), settings.size("memory", 0));
 *   }
 * }
 * }</pre>
 */
public interface ComputeTargetProvider {
  /** The type served, in lower case: {@code local}, {@code process}, {@code gpu}, ... */
  String type();

  /**
   * Creates the target that the config defines under {@code targets.NAME}.
   *
   * @param settings the target's logical name and its settings (everything but {@code type}); a provider refuses
   *     settings it does not know with {@link ComputeTargetSettings#only}, and reads values through its typed getters,
   *     whose errors name the key path and never show values of secret-looking keys
   * @throws io.pipewright.UserException if the settings are wrong, naming the key path
   */
  ComputeTarget create(ComputeTargetSettings settings);
}
