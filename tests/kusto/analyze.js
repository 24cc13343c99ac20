'use strict';
// Parses and analyzes KQL with Microsoft's Kusto language service (Kusto.Language, built for
// JavaScript as @kusto/language-service-next; pinned by package-lock.json, installed by
// scripts/kusto-analyzer). Used by tests/kusto_analyzer.py.
//
// stdin: {"tables": {"<name>": "(<column>:<type>, ...)"}, "queries": {"<id>": "<KQL>"}}
// stdout: {"<id>": {"diagnostics": [{severity, code, message, text}],
//                   "statements": [{"let": <name or null>, "filters": ["<where condition>"],
//                                   "operators": [["<kind>", "<text>"]],
//                                   "columns": [["<name>", "<type>"]]}]}}
// The tables form one database, the analyzer's default: a column, table or function it does not
// know, or a type error, is a diagnostic. "filters" are the conditions of every `where` in the
// statement, in order, as single-line text; "operators" every query operator (e.g.
// ["ExtendOperator", "extend a = 1"]), branches of a union included, in source order; "columns"
// the statement's result columns.

require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');

const K = Kusto.Language;
const Symbols = K.Symbols;
const Syntax = K.Syntax;

function globalsFor(tables) {
  const symbols = Object.entries(tables).map(
    ([name, schema]) => new Symbols.TableSymbol.$ctor7(name, schema, null));
  return K.GlobalState.Default.WithDatabase(new Symbols.DatabaseSymbol.ctor('logs', symbols));
}

function list(items) {
  const out = [];
  for (let i = 0; i < items.Count; i++) out.push(items.getItem(i));
  return out;
}

function columns(type) {
  if (!type || !type.Columns) return [];
  return list(type.Columns).map((column) => [column.Name, column.Type.Name]);
}

function singleLine(node) {
  return node.ToString(Syntax.IncludeTrivia.SingleLine).trim();
}

function statement(node) {
  const filters = [];
  const operators = [];
  node.WalkElements((element) => {
    if (!Bridge.is(element, Syntax.QueryOperator)) return;
    const kind = System.Enum.toString(Syntax.SyntaxKind, element.Kind);
    operators.push([kind, singleLine(element)]);
    if (element.Kind === Syntax.SyntaxKind.FilterOperator) filters.push(singleLine(element.Condition));
  });
  const isLet = node.Kind === Syntax.SyntaxKind.LetStatement;
  const expression = node.Expression;
  return {
    let: isLet ? node.Name.SimpleName : null,
    filters,
    operators,
    columns: columns(expression && expression.ResultType),
  };
}

function analyze(text, globals) {
  const code = K.KustoCode.ParseAndAnalyze(text, globals);
  const diagnostics = list(code.GetDiagnostics()).map((d) => ({
    severity: d.Severity,
    code: d.Code,
    message: d.Message,
    text: text.substr(d.Start, d.Length),
  }));
  const statements = list(code.Syntax.Statements).map((separated) => statement(separated.Element));
  return { diagnostics, statements };
}

function main() {
  const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const globals = globalsFor(input.tables);
  const out = {};
  for (const [id, text] of Object.entries(input.queries)) out[id] = analyze(text, globals);
  process.stdout.write(JSON.stringify(out));
}

main();
