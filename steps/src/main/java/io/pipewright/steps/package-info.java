/**
 * Ready-made step bodies for common ML work, usable in any pipeline.
 */
package io.pipewright.steps;
