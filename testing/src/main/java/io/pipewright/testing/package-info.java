/**
 * Pipewright's test kit: run pipelines in tests against a real temporary workspace.
 */
package io.pipewright.testing;
