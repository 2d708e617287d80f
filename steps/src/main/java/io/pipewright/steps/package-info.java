/**
 * Ready-made step bodies for common ML work, usable in any pipeline: {@link io.pipewright.steps.Script} runs a Python
 * or bash script, or any program, as a step (docs/script-steps.md); {@link io.pipewright.steps.Parallel} fans a
 * function, or a script, out over the partitions of a Dataset, reusing each partition on its own
 * (docs/parallel-steps.md);
 * {@link io.pipewright.steps.StratifiedSplit} splits labelled rows.
 */
package io.pipewright.steps;
