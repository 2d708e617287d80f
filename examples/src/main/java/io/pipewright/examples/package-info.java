/**
 * Example pipelines on real data, each runnable with {@code ./pipewright run NAME} and from Java: {@link
 * io.pipewright.examples.Digits} recognises handwritten digits.
 */
package io.pipewright.examples;
