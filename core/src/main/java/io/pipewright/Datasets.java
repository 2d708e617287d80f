package io.pipewright;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The datasets registered in a workspace ({@link Workspace#datasets()}): named, versioned, immutable sets of files.
 *
 * <pre>{@code
 * RegisteredDataset v1 = ws.datasets().register("digits", Path.of("data/digits.csv.gz"));
 * RegisteredDataset csvs = ws.datasets().register("sales", "data/2024-*.csv", DatasetOptions.defaults()
 *     .description("monthly sales").tag("owner", "finance"));
 * RegisteredDataset latest = ws.datasets().get("digits");      // or get("digits", 2), get("digits:2")
 * }</pre>
 *
 * <p>Registering copies the files into the workspace's content-addressed object store first and records the version
 * last, so a failure leaves nothing half-registered. Registering content a name already has (the same file names,
 * sizes and bytes) returns that version instead of adding one. Versions are numbered 1, 2, ... per name; processes
 * registering one name at once each get a distinct version. Names are letters, digits, {@code _}, {@code .} and
 * {@code -}. Thread-safe. Mistakes (a bad name, nothing at a path, a URL that cannot be fetched, an unknown name or
 * version) are {@link UserException}s naming the culprit.
 */
public interface Datasets {
  /** Registers a file or folder with no description or tags. */
  default RegisteredDataset register(String name, Path source) {
    return register(name, source, DatasetOptions.defaults());
  }

  /** Registers a file (stored under its file name) or a folder (its files, by path relative to it). */
  RegisteredDataset register(String name, Path source, DatasetOptions options);

  /**
   * Registers what {@code source} names: a URL ({@code file:}, {@code http:}, {@code https:}; downloaded to the
   * store as one file named by the URL's last path segment), a glob ({@code data/*.csv}, {@code data/**}: the
   * matching files, by path relative to the folder before the first wildcard) or a path to a file or folder.
   */
  RegisteredDataset register(String name, String source, DatasetOptions options);

  /** Registers the file a URL names; see {@link #register(String, String, DatasetOptions)}. */
  RegisteredDataset register(String name, URI url, DatasetOptions options);

  /**
   * The latest version of {@code name}, or the version a reference names: {@code digits}, {@code digits:2}.
   *
   * @throws UserException for an unknown name or version, listing those there are
   */
  RegisteredDataset get(String reference);

  /** One version of a dataset. */
  RegisteredDataset get(String name, int version);

  /** The latest version of every registered dataset, by name. */
  List<RegisteredDataset> list();

  /** Every version of one dataset, oldest first; empty if the name is unknown. */
  List<RegisteredDataset> versions(String name);
}
