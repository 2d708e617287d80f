package io.pipewright.internal.registry;

import io.pipewright.Model;
import io.pipewright.ModelOptions;
import io.pipewright.Models;
import io.pipewright.RegisteredModel;
import io.pipewright.UserException;
import io.pipewright.internal.engine.ModelRegistrar;
import io.pipewright.internal.engine.OutputStore;
import io.pipewright.internal.engine.StoredOutput;
import io.pipewright.internal.store.Registration;
import io.pipewright.internal.store.RunStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The model registry of a workspace; registers models for steps too. */
public final class ModelRegistry extends Registry implements Models, ModelRegistrar {
  private final Sources sources = new Sources();

  public ModelRegistry(RunStore store, OutputStore outputs, Path workspace, Clock clock) {
    super(store, outputs, workspace, clock, Registration.MODEL);
  }

  @Override
  public RegisteredModel register(String name, Path files, ModelOptions options) {
    Names.checkName("model", name);
    Objects.requireNonNull(files, "files");
    Objects.requireNonNull(options, "options");
    StoredOutput stored = storeFiles(Model.class, staging -> sources.copy(files, staging));
    return toModel(record(name, stored, options, null, null), stored);
  }

  @Override
  public String register(String name, StoredOutput model, ModelOptions options, String runId, String step) {
    Registration r = record(name, model, options, runId, step);
    return r.name() + ":" + r.version();
  }

  private Registration record(String name, StoredOutput model, ModelOptions options, String runId, String step) {
    Object declared = model.metadata().get("framework");
    String framework = !options.framework().isEmpty() ? options.framework()
        : declared instanceof String s ? s : "";
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("framework", framework);
    properties.put("metrics", new TreeMap<>(options.metrics()));
    return store.register(new Registration(kind, name, 0, model.contentHash(), options.description(), properties,
        runId, step, now(), options.tags()));
  }

  @Override
  public RegisteredModel get(String reference) {
    Registration r = find(reference, true);
    return toModel(r, files(r));
  }

  @Override
  public RegisteredModel get(String name, int version) {
    return get(name + ":" + version);
  }

  @Override
  public RegisteredModel tag(String name, int version, String tag) {
    Names.checkTag(tag);
    Registration r = find(name + ":" + version, false);
    store.tag(kind, r.name(), r.version(), tag);
    return get(name + ":" + version);
  }

  @Override
  public List<RegisteredModel> list() {
    return latest().stream().map(r -> toModel(r, files(r))).toList();
  }

  @Override
  public List<RegisteredModel> versions(String name) {
    return store.registrations(kind, Objects.requireNonNull(name, "name")).stream().map(r -> toModel(r, files(r)))
        .toList();
  }

  private static RegisteredModel toModel(Registration r, StoredOutput stored) {
    if (stored.type() != Model.class) {
      throw new UserException("model " + r.name() + ":" + r.version() + " is stored as a " + stored.type()
          .getSimpleName() + ", not a Model");
    }
    Map<String, Double> metrics = new TreeMap<>();
    if (r.properties().get("metrics") instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if (v instanceof Number n) {
          metrics.put(String.valueOf(k), n.doubleValue());
        }
      });
    }
    Object framework = r.properties().getOrDefault("framework", "");
    return new RegisteredModel(r.name(), version(r), r.contentHash(), String.valueOf(framework), metrics, r.tags(),
        r.description() == null ? "" : r.description(), r.runId(), r.step(), r.createdAt(), stored.asModel());
  }
}
