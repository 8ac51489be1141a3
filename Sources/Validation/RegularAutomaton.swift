/// A `pattern` in the regular subset of ECMA-262 that patterns in practice use (literals, classes, groups,
/// alternation, greedy and lazy quantifiers, `^`, `$`, ASCII `\d` and `\w`), compiled to a Thompson automaton and
/// searched without backtracking: linear in the text, no engine limits.
///
/// Hand-written, not a library, because of measured cost: the first ICU regular expression of a process builds
/// ICU's static Unicode sets, 8.4 M instructions, about 1.4 ms of a fiber map whose whole budget is 11 ms; Swift's
/// `Regex` cost 2 M instructions per pattern in the same measurement. Anything outside the subset (`.`, `\s`, `\b`,
/// look-around, back-references, `\p{…}`, `\u…`, nested classes, possessive quantifiers…) makes ``init(_:)`` return
/// `nil` and the pattern goes to ICU as before, so both engines agree on every pattern this one takes: the subset
/// is also one where ECMA-262 and ICU (after ``Pattern/icu(_:)``) mean the same. Tests compare the two on the patterns
/// RigMapper carries and on generated ones, over generated strings; CI runs JSON-Schema-Test-Suite through both.
struct RegularAutomaton: Sendable {
    /// One instruction of the automaton.
    enum Instruction: Sendable {
        /// Consume one Unicode scalar in the set.
        case scalar(ScalarSet)
        /// Continue at both targets.
        case split(Int, Int)
        case jump(Int)
        /// Only at the start (`^`) or the end (`$`) of the text.
        case atStart
        case atEnd
        case match
    }

    /// A set of Unicode scalars: a bitmap for ASCII, ranges above it.
    struct ScalarSet: Sendable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var ranges: [ClosedRange<UInt32>] = []
        var negated = false

        mutating func insert(_ range: ClosedRange<UInt32>) {
            var lower = range.lowerBound
            while lower <= range.upperBound && lower < 128 {
                if lower < 64 { low |= 1 << UInt64(lower) } else { high |= 1 << UInt64(lower - 64) }
                lower += 1
            }
            if lower <= range.upperBound { ranges.append(lower...range.upperBound) }
        }

        func contains(_ value: UInt32) -> Bool {
            let inSet: Bool
            if value < 64 {
                inSet = low & (1 << UInt64(value)) != 0
            } else if value < 128 {
                inSet = high & (1 << UInt64(value - 64)) != 0
            } else {
                inSet = ranges.contains { $0.contains(value) }
            }
            return inSet != negated
        }
    }

    let program: [Instruction]
    /// The most instructions a pattern may compile to (counted repetition multiplies); a larger one goes to ICU.
    static let maximumSize = 4096

    /// Compiles `source`, or `nil` when it uses anything outside the subset.
    init?(_ source: String) {
        var parser = Parser(Array(source.unicodeScalars))
        guard let tree = parser.parseAlternation(), parser.atEnd else { return nil }
        var program: [Instruction] = []
        guard RegularAutomaton.emit(tree, into: &program) else { return nil }
        program.append(.match)
        self.program = program
    }

    /// Whether the pattern matches anywhere in `text`.
    func search(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var current: [Int] = []
        var next: [Int] = []
        var mark = [Int](repeating: -1, count: program.count)
        var stack: [Int] = []
        // Adds `pc` and every instruction reachable from it without consuming to `list`; returns true on `match`.
        func add(_ pc: Int, at position: Int, to list: inout [Int]) -> Bool {
            stack.append(pc)
            while let pc = stack.popLast() {
                if mark[pc] == position { continue }
                mark[pc] = position
                switch program[pc] {
                case .match: return true
                case .jump(let target): stack.append(target)
                case .split(let first, let second):
                    stack.append(second)
                    stack.append(first)
                case .atStart: if position == 0 { stack.append(pc + 1) }
                case .atEnd: if position == scalars.count { stack.append(pc + 1) }
                case .scalar: list.append(pc)
                }
            }
            return false
        }
        var position = 0
        while true {
            // A match may start at every position (the search is unanchored).
            if add(0, at: position, to: &current) { return true }
            guard position < scalars.count else { return false }
            let value = scalars[position].value
            next.removeAll(keepingCapacity: true)
            for pc in current {
                guard case .scalar(let set) = program[pc], set.contains(value) else { continue }
                if add(pc + 1, at: position + 1, to: &next) { return true }
            }
            swap(&current, &next)
            position += 1
        }
    }

    // MARK: - Syntax tree

    indirect enum Node {
        case scalar(ScalarSet)
        case start, end
        case sequence([Node])
        case alternation([Node])
        case repeated(Node, minimum: Int, maximum: Int?)
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        /// Groups open around the current position; deeper nesting goes to ICU (the parser recurses per group).
        var depth = 0
        static let maximumDepth = 64

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { index == scalars.count }
        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parseAlternation() -> Node? {
            var branches: [Node] = []
            while true {
                guard let branch = parseSequence() else { return nil }
                branches.append(branch)
                guard peek == "|" else { break }
                index += 1
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseSequence() -> Node? {
            var items: [Node] = []
            while let c = peek, c != "|", c != ")" {
                guard var atom = parseAtom() else { return nil }
                if let (minimum, maximum) = parseQuantifier() {
                    // A quantifier applies to a character, a class or a group only.
                    if case .start = atom { return nil }
                    if case .end = atom { return nil }
                    atom = .repeated(atom, minimum: minimum, maximum: maximum)
                } else if peek.map(RegularAutomaton.isQuantifierStart) == true {
                    return nil
                }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        /// `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}`, each optionally lazy (`?` after it: the same language). A
        /// second quantifier (ICU's possessive `+`) is refused by the caller.
        mutating func parseQuantifier() -> (Int, Int?)? {
            guard let c = peek else { return nil }
            var bounds: (Int, Int?)
            switch c {
            case "*": bounds = (0, nil); index += 1
            case "+": bounds = (1, nil); index += 1
            case "?": bounds = (0, 1); index += 1
            case "{":
                let save = index
                index += 1
                guard let minimum = parseNumber() else { index = save; return nil }
                var maximum: Int? = minimum
                if peek == "," {
                    index += 1
                    maximum = peek == "}" ? nil : parseNumber()
                    if maximum == nil && peek != "}" { index = save; return nil }
                }
                guard peek == "}" else { index = save; return nil }
                index += 1
                if let maximum, maximum < minimum { index = save; return nil }
                bounds = (minimum, maximum)
            default: return nil
            }
            if peek == "?" { index += 1 }
            return bounds
        }

        mutating func parseNumber() -> Int? {
            var value = 0
            var digits = 0
            while let c = peek, ("0"..."9").contains(c) {
                value = value * 10 + Int(c.value - 48)
                digits += 1
                index += 1
                if value > 1000 { return nil }
            }
            return digits == 0 ? nil : value
        }

        mutating func parseAtom() -> Node? {
            guard let c = peek else { return nil }
            index += 1
            switch c {
            case "^": return .start
            case "$": return .end
            case "(":
                guard depth < Parser.maximumDepth else { return nil }
                depth += 1
                defer { depth -= 1 }
                if peek == "?" {
                    // Only the non-capturing group; look-around, named groups and flags go to ICU.
                    guard index + 1 < scalars.count, scalars[index + 1] == ":" else { return nil }
                    index += 2
                }
                guard let inner = parseAlternation(), peek == ")" else { return nil }
                index += 1
                return inner
            case "[": return parseClass()
            case "\\": return parseEscape(inClass: false).map { .scalar($0) }
            case ".", "]", "{", "}", "*", "+", "?", ")", "|": return nil
            default:
                var set = ScalarSet()
                set.insert(c.value...c.value)
                return .scalar(set)
            }
        }

        /// After `\`: a character class escape or an escaped character, as a set.
        mutating func parseEscape(inClass: Bool) -> ScalarSet? {
            guard let c = peek else { return nil }
            index += 1
            var set = ScalarSet()
            switch c {
            case "d", "D":
                if inClass && c == "D" { return nil }
                set.insert(48...57)
                set.negated = c == "D"
            case "w", "W":
                if inClass && c == "W" { return nil }
                set.insert(48...57)
                set.insert(65...90)
                set.insert(97...122)
                set.insert(95...95)
                set.negated = c == "W"
            case "t": set.insert(9...9)
            case "n": set.insert(10...10)
            case "r": set.insert(13...13)
            case "f": set.insert(12...12)
            default:
                // An escaped syntax character stands for itself; every other escape (`\s`, `\b`, `\1`, `\u`,
                // `\p`, `\v`, which ICU reads as a class…) is outside the subset.
                guard "\\^$.|?*+()[]{}/-".unicodeScalars.contains(c) else { return nil }
                set.insert(c.value...c.value)
            }
            return set
        }

        /// After `[`: a class of single characters, ranges, `\d` and `\w`, possibly negated.
        mutating func parseClass() -> Node? {
            var set = ScalarSet()
            if peek == "^" {
                set.negated = true
                index += 1
            }
            var members = 0
            while let c = peek, c != "]" {
                index += 1
                var lower: UInt32
                if c == "\\" {
                    guard let escaped = parseEscape(inClass: true) else { return nil }
                    guard let single = escaped.single else {
                        // `\d`, `\w`: a class, never a range's end.
                        if peek == "-" { return nil }
                        set.low |= escaped.low
                        set.high |= escaped.high
                        members += 1
                        continue
                    }
                    lower = single
                } else if c == "-" {
                    // Itself first or last in the class (`[-a]`, `[a-z-]`), never next to another `-` (ICU's
                    // set difference is `--`).
                    guard members == 0 || peek == "]", peek != "-" else { return nil }
                    set.insert(45...45)
                    members += 1
                    continue
                } else {
                    guard RegularAutomaton.isPlainClassMember(c) else { return nil }
                    lower = c.value
                }
                var upper = lower
                // A range, unless the `-` is the class's last character (`[a-z-]`, taken next time round).
                if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    guard let d = peek else { return nil }
                    index += 1
                    if d == "\\" {
                        guard let escaped = parseEscape(inClass: true), let single = escaped.single else { return nil }
                        upper = single
                    } else {
                        guard RegularAutomaton.isPlainClassMember(d) else { return nil }
                        upper = d.value
                    }
                    guard lower <= upper else { return nil }
                }
                set.insert(lower...upper)
                members += 1
            }
            guard peek == "]", members > 0 else { return nil }
            index += 1
            return .scalar(set)
        }
    }

    static func isQuantifierStart(_ c: Unicode.Scalar) -> Bool { c == "*" || c == "+" || c == "?" || c == "{" }

    /// A character both engines read as itself inside a class: letters, digits, other scalars above ASCII and
    /// punctuation that means nothing there (ICU gives `[`, `&`, `-`, `$`, `{`, `:`, quotes and white space meanings).
    static func isPlainClassMember(_ c: Unicode.Scalar) -> Bool {
        if c.value >= 128 { return !c.properties.isWhitespace }
        if ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) { return true }
        return "_.,;/@#!%<>=~+*?()|".unicodeScalars.contains(c)
    }

    // MARK: - Code

    /// Appends the code of `node`; false when the program would exceed ``maximumSize``.
    static func emit(_ node: Node, into program: inout [Instruction]) -> Bool {
        guard program.count < maximumSize else { return false }
        switch node {
        case .scalar(let set):
            program.append(.scalar(set))
        case .start:
            program.append(.atStart)
        case .end:
            program.append(.atEnd)
        case .sequence(let items):
            for item in items where !emit(item, into: &program) { return false }
        case .alternation(let branches):
            // split L1, next; L1: branch; jump end; next: split …
            var jumps: [Int] = []
            for (k, branch) in branches.enumerated() {
                if k < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    guard emit(branch, into: &program) else { return false }
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    guard emit(branch, into: &program) else { return false }
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repeated(let inner, let minimum, let maximum):
            for _ in 0..<minimum where !emit(inner, into: &program) { return false }
            if let maximum {
                // Up to (maximum - minimum) optional copies: split body, end.
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    guard emit(inner, into: &program) else { return false }
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                // loop: split body, end; body; jump loop
                let loop = program.count
                program.append(.split(loop + 1, -1))
                guard emit(inner, into: &program) else { return false }
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
        return program.count <= maximumSize
    }
}

extension RegularAutomaton.ScalarSet {
    /// The one scalar of a set of one, not negated (an escaped character).
    var single: UInt32? {
        guard !negated, ranges.isEmpty, low.nonzeroBitCount + high.nonzeroBitCount == 1 else { return nil }
        return low != 0 ? UInt32(low.trailingZeroBitCount) : UInt32(64 + high.trailingZeroBitCount)
    }
}
