package io.pipewright.spi;

import java.net.URI;
import java.util.Map;

/**
 * Opens the datastores of one URI scheme: {@code file} for local folders (in core), {@code azureblob} for Azure Blob
 * Storage (module {@code pipewright-datastore-azure-blob}). Found by {@link Datastores} with {@link
 * java.util.ServiceLoader}: register implementations in {@code META-INF/services/io.pipewright.spi.DatastoreProvider}.
 * Implementations need a public no-argument constructor and must be thread-safe.
 */
public interface DatastoreProvider {
  /** The URI scheme, in lower case: {@code file}, {@code azureblob}. */
  String scheme();

  /**
   * Opens the datastore at {@code uri}. Opening should not need the network: problems with the service are reported
   * by the first operation.
   *
   * @param uri a URI of this provider's scheme
   * @param settings what the caller passed (credentials, endpoints, tuning); a provider refuses settings it does not
   *     know, listing the ones it does, and never puts their values in messages
   * @throws io.pipewright.UserException if the URI or the settings are wrong
   */
  Datastore open(URI uri, Map<String, String> settings);
}
