package io.pipewright;

import java.nio.file.Path;
import java.util.List;

/**
 * The model registry of a workspace ({@link Workspace#models()}): named, versioned models with their framework,
 * metrics, tags and the run and step that registered them.
 *
 * <pre>{@code
 * // in a deploy step: recorded only if the step succeeds
 * ctx.registerModel("digits", "model", ModelOptions.defaults().framework("tribuo").metric("accuracy", 0.97));
 * // from code
 * RegisteredModel m = ws.models().register("digits", Path.of("out/model"), ModelOptions.defaults());
 * ws.models().tag("digits", m.version(), "production");
 * Path files = ws.models().get("digits:production").dir();
 * }</pre>
 *
 * <p>Versions are numbered 1, 2, ... per name. Registering content a name already has returns that version (with any
 * new tags added). <b>Tags are unique per model name</b>: a tag such as {@code production} names at most one version,
 * and tagging another version moves it there. Thread-safe; processes registering one name at once each get a
 * distinct version. Mistakes are {@link UserException}s naming the culprit.
 */
public interface Models {
  /** Registers a model folder (or one file) from code, copying its files into the workspace. */
  RegisteredModel register(String name, Path files, ModelOptions options);

  /**
   * The version a reference names: {@code digits} (the latest), {@code digits:3} (a version) or
   * {@code digits:production} (the version with that tag).
   *
   * @throws UserException for an unknown name, version or tag, listing those there are
   */
  RegisteredModel get(String reference);

  /** One version of a model. */
  RegisteredModel get(String name, int version);

  /** The folder of a model's files, as {@link #get(String)} finds the version: what a server loads. */
  default Path fetch(String reference) {
    return get(reference).dir();
  }

  /** Puts a tag on a version, taking it off the version of the same name that had it; returns the tagged version. */
  RegisteredModel tag(String name, int version, String tag);

  /** The latest version of every registered model, by name. */
  List<RegisteredModel> list();

  /** Every version of one model, oldest first; empty if the name is unknown. */
  List<RegisteredModel> versions(String name);
}
