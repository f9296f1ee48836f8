/// `text` without leading and trailing white space, newlines included.
///
/// Not `trimmingSpaces()`: its set `" \t\r\n"` holds the single Character `"\r\n"`, so
/// it keeps a lone trailing `\n` or `\r`, as an API key read from a file ends.
func trimmingWhitespace(_ text: some StringProtocol) -> String {
    guard let first = text.firstIndex(where: { !$0.isWhitespace }),
        let last = text.lastIndex(where: { !$0.isWhitespace })
    else { return "" }
    return String(text[first...last])
}
