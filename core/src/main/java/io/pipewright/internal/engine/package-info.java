/**
 * Implementation details of Pipewright; not API, may change in any release without notice.
 */
package io.pipewright.internal.engine;
