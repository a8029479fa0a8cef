/**
 * Reading what the CLI printed for a person: it wraps prose to the terminal's width, so a test
 * compares text with the wrapping taken out.
 */

/** Text with its line breaks and runs of spaces as one space: wrapped lines read as one. */
export const flat = (text: string): string => text.replace(/\s+/g, ' ');
