/**
 * Pipewright's implementation. Nothing here is API: it may change in any release without notice.
 */
package io.pipewright.internal;
