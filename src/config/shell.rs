//! `config.navomi` read as bash reads it (`set -a; . config.navomi`), for the
//! subset `wfm` accepts: `KEY=VALUE` and `export KEY=VALUE` lines, `#` comments,
//! blank lines; in a value single quotes (literal), double quotes (`\"` `\\`
//! `\$` `` \` `` escapes, `$NAME` and `${NAME}` expanded), bare text (`\x` is
//! `x`, `$NAME` expanded, `~` at the start or after `:` is `$HOME`), and a
//! ` # comment` after the value. A `$` not followed by a name is kept, as bash
//! keeps it. What bash would read otherwise (command substitution, special
//! parameters, `${NAME:-x}`, shell operators, spaces around `=`), and the
//! expansion of an unset variable, is refused with the line: never silently
//! read differently. Pure: the environment is a lookup.

use std::collections::HashMap;

/// One `KEY=VALUE` assignment, its value as bash would hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Assignment {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A line `wfm` will not read. `problem` is `None` for plain syntax errors
/// (the caller's generic message); it never holds any part of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ShellError {
    pub line: usize,
    pub key: Option<String>,
    pub problem: Option<String>,
}

/// The assignments of `text` in order. `env` looks up variables not set
/// earlier in the file. A UTF-8 BOM at the start and CRLF line ends are accepted.
pub(super) fn assignments(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Assignment>, ShellError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let mut lx = Lexer {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        set: HashMap::new(),
        env,
    };
    let mut out = Vec::new();
    loop {
        lx.skip_blanks();
        match lx.peek() {
            None => break,
            Some('\n') => {
                lx.bump();
                continue;
            }
            Some('#') => {
                lx.skip_to_eol();
                continue;
            }
            _ => {}
        }
        let line = lx.line;
        let mut key = lx.name();
        if key == "export" && lx.at_blank() {
            lx.skip_blanks();
            key = lx.name();
        }
        let err = |key: Option<&str>, problem: Option<&str>| ShellError {
            line,
            key: key.map(str::to_string),
            problem: problem.map(str::to_string),
        };
        if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err(None, None));
        }
        if lx.peek() != Some('=') {
            lx.skip_blanks();
            return Err(if lx.peek() == Some('=') {
                err(Some(&key), Some("no spaces around `=` (write KEY=VALUE)"))
            } else {
                err(None, None)
            });
        }
        lx.bump();
        let value = lx.word().map_err(|p| err(Some(&key), p.as_deref()))?;
        lx.skip_blanks();
        match lx.peek() {
            None | Some('\n') => {}
            Some('#') => lx.skip_to_eol(),
            Some(_) => return Err(err(Some(&key), None)),
        }
        lx.set.insert(key.clone(), value.clone());
        out.push(Assignment { key, value, line });
    }
    Ok(out)
}

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    line: usize,
    /// Variables set earlier in the file (bash sees them, as it sees the environment).
    set: HashMap<String, String>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

/// `Err(None)`: a syntax error; `Err(Some(why))`: a refusal with its reason.
type Word<T> = Result<T, Option<String>>;

fn refuse<T>(why: impl Into<String>) -> Word<T> {
    Err(Some(why.into()))
}

const QUOTE_IT: &str = "put the value in single quotes to keep it literally";

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn at_blank(&self) -> bool {
        matches!(self.peek(), Some(' ' | '\t'))
    }

    fn skip_blanks(&mut self) {
        while self.at_blank() {
            self.bump();
        }
    }

    fn skip_to_eol(&mut self) {
        while !matches!(self.peek(), None | Some('\n')) {
            self.bump();
        }
    }

    /// A bash name `[A-Za-z_][A-Za-z0-9_]*` (digits first are refused by callers).
    fn name(&mut self) -> String {
        let mut n = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
            n.push(c);
            self.bump();
        }
        n
    }

    fn lookup(&self, name: &str) -> Word<String> {
        match self.set.get(name).cloned().or_else(|| (self.env)(name)) {
            Some(v) => Ok(v),
            None => refuse(format!(
                "${name} is not set in the environment (bash would read it as empty); set {name}, or write a literal `$` as \\$ or inside single quotes"
            )),
        }
    }

    /// The value after `=`, up to an unquoted blank or the end of the line.
    fn word(&mut self) -> Word<String> {
        let mut out = String::new();
        // Where a `~` is a tilde prefix: the start, and after an unquoted `:`.
        let mut tilde_here = true;
        while let Some(c) = self.peek() {
            let tilde = std::mem::replace(&mut tilde_here, false);
            match c {
                ' ' | '\t' | '\n' => break,
                '\'' => {
                    self.bump();
                    loop {
                        match self.bump() {
                            None => return Err(None),
                            Some('\'') => break,
                            Some(c) => out.push(c),
                        }
                    }
                }
                '"' => {
                    self.bump();
                    self.double_quoted(&mut out)?;
                }
                '\\' => {
                    self.bump();
                    match self.bump() {
                        None => out.push('\\'),
                        Some('\n') => {}
                        Some(c) => out.push(c),
                    }
                }
                '$' => {
                    self.bump();
                    self.dollar(&mut out, false)?;
                }
                '`' => return refuse(format!("`...` (command substitution) is not read by wfm; {QUOTE_IT}")),
                ';' | '&' | '|' | '<' | '>' | '(' | ')' => {
                    return refuse(format!("`{c}` is a shell operator; {QUOTE_IT}"))
                }
                '~' if tilde => {
                    self.bump();
                    if !matches!(self.peek(), None | Some('/' | ':' | ' ' | '\t' | '\n')) {
                        return refuse(format!("`~name` (another user's home) is not read by wfm; {QUOTE_IT}"));
                    }
                    out.push_str(&self.lookup("HOME")?);
                }
                _ => {
                    self.bump();
                    tilde_here = c == ':';
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    /// After an opening `"`, up to and including the closing one.
    fn double_quoted(&mut self, out: &mut String) -> Word<()> {
        loop {
            match self.bump() {
                None => return Err(None),
                Some('"') => return Ok(()),
                Some('\\') => match self.peek() {
                    Some(c @ ('$' | '`' | '"' | '\\')) => {
                        self.bump();
                        out.push(c);
                    }
                    Some('\n') => {
                        self.bump();
                    }
                    _ => out.push('\\'),
                },
                Some('$') => self.dollar(out, true)?,
                Some('`') => return refuse(format!("`...` (command substitution) is not read by wfm; {QUOTE_IT}")),
                Some(c) => out.push(c),
            }
        }
    }

    /// After a `$`: a name or `${NAME}` is expanded; what bash reads as another
    /// expansion is refused; anything else keeps the `$`.
    fn dollar(&mut self, out: &mut String, quoted: bool) -> Word<()> {
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let name = self.name();
                out.push_str(&self.lookup(&name)?);
            }
            Some('{') => {
                self.bump();
                let name = self.name();
                if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) || self.peek() != Some('}') {
                    return refuse(format!(
                        "only ${{NAME}} is read by wfm, not other ${{...}} forms; {QUOTE_IT}"
                    ));
                }
                self.bump();
                out.push_str(&self.lookup(&name)?);
            }
            Some(c @ ('0'..='9' | '@' | '*' | '#' | '?' | '$' | '!' | '-')) => {
                return refuse(format!(
                    "`${c}` is a special shell parameter (bash would replace it); {QUOTE_IT}, or write `$` as \\$"
                ))
            }
            Some('(' | '[') => {
                return refuse(format!(
                    "`$(`, `$((` and `$[` (command substitution, arithmetic) are not read by wfm; {QUOTE_IT}"
                ))
            }
            Some('\'' | '"') if !quoted => {
                return refuse(format!("`$'...'` and `$\"...\"` are not read by wfm; {QUOTE_IT}"))
            }
            _ => out.push('$'),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        match k {
            "HOME" => Some("/home/op".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn one(text: &str) -> Result<String, ShellError> {
        let a = assignments(text, &env)?;
        assert_eq!(a.len(), 1, "{text:?}: {a:?}");
        Ok(a[0].value.clone())
    }

    #[test]
    fn values_as_bash_reads_them() {
        for (text, want) in [
            ("K=\"p$ü%&=\"", "p$ü%&="),
            ("K=rep$ü%=", "rep$ü%="),
            ("K=\"${HOME}x\"", "/home/opx"),
            ("K=$HOME/x", "/home/op/x"),
            ("K='$HOME'", "$HOME"),
            ("K=\"\\$HOME\"", "$HOME"),
            ("K=a$", "a$"),
            ("K=\"a$\"", "a$"),
            ("K=\"tab\\there\"", "tab\\there"),
            ("K=a\\ b", "a b"),
            ("K=\"a # b\" # comment", "a # b"),
            ("K=a#b", "a#b"),
            ("export K=v", "v"),
            ("K=a=b=c", "a=b=c"),
            ("K=~/r", "/home/op/r"),
            ("K=a:~/r", "a:/home/op/r"),
            ("K=a~b", "a~b"),
            ("K=$EMPTY", ""),
            ("K=", ""),
            ("K= # nothing", ""),
            ("K=\"multi\nline\"", "multi\nline"),
            ("\u{feff}K=v\r\n", "v"),
        ] {
            assert_eq!(one(text).as_deref(), Ok(want), "{text:?}");
        }
        let a = assignments("A=x\nB=\"$A/y\"\n", &env).unwrap();
        assert_eq!(a[1].value, "x/y", "a variable set earlier in the file is seen");
    }

    #[test]
    fn refusals_name_the_line_and_never_the_value() {
        for (text, line, needle) in [
            ("A=1\nK=\"$NOPE/s3cret\"", 2, Some("$NOPE is not set")),
            ("A=1\nK=${NOPE}", 2, Some("$NOPE is not set")),
            ("K=\"$(date)s3cret\"", 1, Some("command substitution")),
            ("K=`date`", 1, Some("command substitution")),
            ("K=\"a$1s3cret\"", 1, Some("special shell parameter")),
            ("K=${HOME:-x}", 1, Some("${NAME}")),
            ("K=a;b", 1, Some("shell operator")),
            ("K = v", 1, Some("no spaces around")),
            ("K=1, 2", 1, None),
            ("K=\"s3cret", 1, None),
            ("K-2=v", 1, None),
            ("export K", 1, None),
        ] {
            let e = assignments(text, &env).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e:?}");
            assert_eq!(
                e.problem.as_deref().map(|p| p.contains(needle.unwrap_or(""))),
                needle.map(|_| true),
                "{text:?}: {e:?}"
            );
            assert!(!format!("{e:?}").contains("s3cret"), "{e:?}");
        }
    }
}
