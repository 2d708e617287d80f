/**
 * The local folder datastore ({@code file:}), found through {@link io.pipewright.spi.Datastores}. Internal: may change
 * without notice.
 */
package io.pipewright.internal.datastore;
