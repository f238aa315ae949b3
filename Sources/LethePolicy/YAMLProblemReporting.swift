internal import Yams

/// Which document a reader checks, for the words of its problems.
struct YAMLDocumentKind {
    /// What the file is, e.g. "policy" or "database map".
    var noun: String
    /// Where an example is, e.g. "policies/example.yaml".
    var example: String
}

/// A validating reader of a YAML file that collects problems (file, line, message, fix) instead
/// of stopping: the policy's and the database map's. What both say about YAML itself (syntax,
/// tabs, duplicate keys, unknown keys) is written once here.
protocol YAMLProblemReporting {
    /// The file, as given to the loader (named in every problem).
    var file: String { get }
    /// How problems name the document.
    var document: YAMLDocumentKind { get }
    /// The problems found so far.
    var problems: [PolicyProblem] { get set }
}

extension YAMLProblemReporting {
    /// Records one problem.
    mutating func problem(_ kind: PolicyProblem.Kind, _ line: Int?, _ message: String, _ fix: String) {
        problems.append(PolicyProblem(kind: kind, file: file, line: line, message: message, fix: fix))
    }

    /// The 1-based line of a node.
    func line(_ node: Node) -> Int? { node.mark?.line }

    /// The YAML tree of `text` (`root` nil for an empty file), or `valid` false when it is not
    /// YAML, the problem recorded. Every value is read as text and checked by the reader, so the
    /// basic resolver (no implicit tags) suffices, and spares the default one's regular
    /// expressions at every start-up.
    mutating func compose(_ text: String) -> (root: Node?, valid: Bool) {
        do {
            return (try Yams.compose(yaml: text, .basic), true)
        } catch let error as YamlError {
            yamlProblem(error, text: text)
        } catch {
            problem(.notYAML, nil, "not YAML (\(error))", "write the \(document.noun) as YAML; see \(document.example)")
        }
        return (nil, false)
    }

    /// Records the problem a YAML parse error is, at its line, with a fix.
    mutating func yamlProblem(_ error: YamlError, text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            if problem.contains("another document") || context?.text.contains("single document") == true {
                self.problem(.notYAML, mark.line, "the file holds more than one YAML document",
                             "keep one \(document.noun) per file: remove the '---' line and what follows")
                return
            }
            let hasTab = mark.line >= 1 && mark.line <= lines.count && lines[mark.line - 1].contains("\t")
            let contextText = context.map { " (\($0.text))" } ?? ""
            self.problem(.notYAML, mark.line, "not valid YAML: \(problem)\(contextText)",
                         hasTab ? "indent with spaces: YAML does not allow tabs"
                                : "check indentation, colons, brackets and quoting there; see \(document.example)")
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams marks the mapping; point at the second occurrence of the key instead.
            let key = duplicates.first ?? ""
            let occurrences = lines.indices.filter { index in
                let line = lines[index].drop { $0 == " " }
                return line.hasPrefix(key) && line.dropFirst(key.count).drop { $0 == " " }.hasPrefix(":")
            }
            let line = occurrences.count >= 2 ? occurrences[1] + 1 : context.mark.line
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            self.problem(.duplicateKey, line, "\(keys) appears more than once in the same mapping",
                         "keep one of them")
        case .reader:
            self.problem(.notYAML, nil, "not readable as YAML text (bad encoding or control characters)",
                         "save the \(document.noun) as plain UTF-8 text")
        default:
            self.problem(.notYAML, nil, "not valid YAML (\(error))",
                         "check the file is a YAML \(document.noun); see \(document.example)")
        }
    }

    /// Records an unknown key, suggesting the nearest valid one.
    mutating func unknownKey(_ keyNode: Node, valid: [String], where place: String) {
        let key = keyNode.scalar?.string ?? "(a non-text key)"
        let suggestion = Suggestion.nearest(to: key, in: valid).map { "did you mean '\($0)'? " } ?? ""
        problem(.unknownKey, line(keyNode), "unknown key '\(key)' \(place)",
                "\(suggestion)valid keys: \(valid.joined(separator: ", "))")
    }
}
