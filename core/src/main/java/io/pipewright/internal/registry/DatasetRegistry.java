package io.pipewright.internal.registry;

import io.pipewright.Dataset;
import io.pipewright.DatasetOptions;
import io.pipewright.Datasets;
import io.pipewright.RegisteredDataset;
import io.pipewright.internal.engine.OutputStore;
import io.pipewright.internal.engine.StoredOutput;
import io.pipewright.internal.store.Registration;
import io.pipewright.internal.store.RunStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/** The dataset registry of a workspace. */
public final class DatasetRegistry extends Registry implements Datasets {
  private final Sources sources = new Sources();

  public DatasetRegistry(RunStore store, OutputStore outputs, Path workspace, Clock clock) {
    super(store, outputs, workspace, clock, Registration.DATASET);
  }

  @Override
  public RegisteredDataset register(String name, Path source, DatasetOptions options) {
    Objects.requireNonNull(source, "source");
    return register(name, options, staging -> sources.copy(source, staging));
  }

  @Override
  public RegisteredDataset register(String name, String source, DatasetOptions options) {
    Objects.requireNonNull(source, "source");
    return register(name, options, staging -> sources.stage(source, staging));
  }

  @Override
  public RegisteredDataset register(String name, URI url, DatasetOptions options) {
    Objects.requireNonNull(url, "url");
    return register(name, options, staging -> sources.stage(url, staging));
  }

  /** @param stager copies the source into the staging folder and says how to describe the source */
  private RegisteredDataset register(String name, DatasetOptions options, Function<Path, String> stager) {
    Names.checkName("dataset", name);
    Objects.requireNonNull(options, "options");
    String[] source = new String[1];
    StoredOutput stored = storeFiles(Dataset.class, staging -> source[0] = stager.apply(staging));
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("source", source[0]);
    properties.put("tags", options.tags());
    Registration recorded = store.register(new Registration(kind, name, 0, stored.contentHash(),
        options.description(), properties, null, null, now(), Set.of()));
    return toDataset(recorded, stored);
  }

  @Override
  public RegisteredDataset get(String reference) {
    Registration r = find(reference, false);
    return toDataset(r, files(r));
  }

  @Override
  public RegisteredDataset get(String name, int version) {
    return get(name + ":" + version);
  }

  /** The version a reference names, without reading its files: for resolving dataset parameters. */
  public Registration resolve(String reference) {
    return find(reference, false);
  }

  /** The stored files of a resolved version, checked intact. */
  public StoredOutput stored(Registration r) {
    return files(r);
  }

  @Override
  public List<RegisteredDataset> list() {
    return latest().stream().map(r -> toDataset(r, files(r))).toList();
  }

  @Override
  public List<RegisteredDataset> versions(String name) {
    return store.registrations(kind, Objects.requireNonNull(name, "name")).stream().map(r -> toDataset(r, files(r)))
        .toList();
  }

  @SuppressWarnings("unchecked")
  private static RegisteredDataset toDataset(Registration r, StoredOutput stored) {
    Object tags = r.properties().getOrDefault("tags", Map.of());
    Map<String, String> strings = new LinkedHashMap<>();
    ((Map<String, Object>) tags).forEach((k, v) -> strings.put(k, String.valueOf(v)));
    return new RegisteredDataset(r.name(), version(r), r.contentHash(), r.description() == null ? ""
        : r.description(), strings, String.valueOf(r.properties().getOrDefault("source", "")), r.createdAt(),
        stored.asDataset());
  }
}
