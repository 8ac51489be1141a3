extension StringProtocol {
    /// The text with every occurrence of `target` replaced by `replacement`: left to right, occurrences not
    /// overlapping, compared as Unicode scalars (byte for byte in UTF-8), as Python's `str.replace` compares.
    ///
    /// Foundation's `replacingOccurrences(of:with:)` compares by canonical equivalence instead, through `NSString`,
    /// and its first call in a process costs about 0.9 M instructions. An empty `target` changes nothing.
    public func replacingEvery(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        let text = Array(utf8)
        guard let first = needle.first, text.count >= needle.count else { return String(self) }
        var out: [UInt8] = []
        var copied = 0
        var index = 0
        let last = text.count - needle.count
        while index <= last {
            if text[index] == first && text[index..<index + needle.count].elementsEqual(needle) {
                out += text[copied..<index]
                out += replacement.utf8
                index += needle.count
                copied = index
            } else {
                index += 1
            }
        }
        guard copied > 0 else { return String(self) }
        out += text[copied...]
        return String(decoding: out, as: UTF8.self)
    }
}
