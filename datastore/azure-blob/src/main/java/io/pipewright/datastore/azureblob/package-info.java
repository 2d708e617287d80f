/**
 * The Azure Blob Storage datastore: {@code azureblob://account/container/prefix}, opened through {@link
 * io.pipewright.spi.Datastores}. Its classes are package-private but for the provider; see {@code
 * docs/datastores.md} for its settings.
 */
package io.pipewright.datastore.azureblob;
