/**
 * The {@code pipewright} command line: {@code run}, {@code runs}, {@code show}, {@code logs} and {@code pipelines}.
 * {@link io.pipewright.cli.Main} is the entry point; everything else is package-private.
 */
package io.pipewright.cli;
