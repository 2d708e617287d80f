package io.pipewright.internal.datastore;

import io.pipewright.UserException;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.DatastoreProvider;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

/** Opens {@code file:} URIs (and plain paths, which {@link io.pipewright.spi.Datastores} turns into them). */
public final class LocalDatastoreProvider implements DatastoreProvider {
  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public Datastore open(URI uri, Map<String, String> settings) {
    if (!settings.isEmpty()) {
      throw new UserException("datastore " + uri + ": unknown settings " + new TreeSet<>(settings.keySet())
          + " -- a local folder takes none");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new UserException("datastore " + uri.getScheme() + ":" + uri.getRawPath()
          + ": a local folder takes no query or fragment");
    }
    Path root;
    try {
      root = uri.isOpaque() ? Path.of(uri.getSchemeSpecificPart()) : Path.of(uri);
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new UserException("datastore " + uri + " is not a local folder: " + e.getMessage()
          + " -- give file:///absolute/path or a plain path", e);
    }
    return new LocalDatastore(root.toAbsolutePath().normalize());
  }
}
