//! A loopback fake of GitHub's read API that answers every request after a fixed latency and
//! records how many requests it held at once: repository info, the recursive tree of one
//! branch (`main`) and blobs (base64 with line breaks, as GitHub sends them), for files given
//! as path → text. HTTP/1.1 with keep-alive on plain threads, one per connection, so the
//! client's concurrency is what the fake observes. Shared by the tests (`tests/it/live.rs`) and
//! the cold-read benchmark (`benches/serving.rs`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the fake saw.
#[derive(Default)]
pub struct Seen {
    pub in_flight: AtomicUsize,
    pub peak: AtomicUsize,
    pub paths: Mutex<Vec<String>>,
}

pub struct LatencyFake {
    pub base: String,
    pub seen: Arc<Seen>,
}

struct Repo {
    /// `owner/name`.
    name: String,
    /// path → (blob sha, content).
    files: BTreeMap<String, (String, Vec<u8>)>,
}

impl LatencyFake {
    /// Serves `repo` (`owner/name`) with `files` at branch `main`, each answer `latency` late.
    pub fn start(repo: &str, files: &[(String, String)], latency: Duration) -> LatencyFake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Seen::default());
        let repo = Arc::new(Repo {
            name: repo.to_string(),
            files: files
                .iter()
                .map(|(path, text)| {
                    let sha = git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
                        .unwrap()
                        .to_string();
                    (path.clone(), (sha, text.as_bytes().to_vec()))
                })
                .collect(),
        });
        let shared = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, repo) = (Arc::clone(&shared), Arc::clone(&repo));
                thread::spawn(move || serve(stream, &seen, &repo, latency));
            }
        });
        LatencyFake { base, seen }
    }

    pub fn peak(&self) -> usize {
        self.seen.peak.load(Ordering::SeqCst)
    }

    pub fn paths(&self) -> Vec<String> {
        self.seen.paths.lock().unwrap().clone()
    }
}

/// One connection: request after request until the client closes it.
fn serve(stream: TcpStream, seen: &Seen, repo: &Repo, latency: Duration) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        seen.peak.fetch_max(now, Ordering::SeqCst);
        seen.paths.lock().unwrap().push(target.clone());
        thread::sleep(latency);
        let (status, answer) = answer(repo, &target);
        seen.in_flight.fetch_sub(1, Ordering::SeqCst);
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&answer).is_err() {
            return;
        }
    }
}

fn answer(repo: &Repo, target: &str) -> (&'static str, Vec<u8>) {
    let prefix = format!("/repos/{}", repo.name);
    let Some(rest) = target.strip_prefix(&prefix) else {
        return not_found();
    };
    let json = |value: serde_json::Value| ("200 OK", value.to_string().into_bytes());
    if rest.is_empty() {
        return json(serde_json::json!({ "full_name": repo.name, "default_branch": "main" }));
    }
    if rest == "/git/trees/main?recursive=1" {
        let tree: Vec<serde_json::Value> = repo
            .files
            .iter()
            .map(|(path, (sha, content))| {
                serde_json::json!({ "path": path, "mode": "100644", "type": "blob",
                                     "sha": sha, "size": content.len() })
            })
            .collect();
        let sha = "0123456789abcdef0123456789abcdef01234567";
        return json(serde_json::json!({ "sha": sha, "tree": tree, "truncated": false }));
    }
    if let Some(sha) = rest.strip_prefix("/git/blobs/") {
        if let Some((_, content)) = repo.files.values().find(|(s, _)| s == sha) {
            return json(serde_json::json!({
                "sha": sha, "size": content.len(), "encoding": "base64",
                "content": base64_lines(content),
            }));
        }
    }
    not_found()
}

fn not_found() -> (&'static str, Vec<u8>) {
    ("404 Not Found", br#"{"message":"Not Found"}"#.to_vec())
}

/// Standard base64, a line break every 60 characters.
fn base64_lines(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if out.len() % 61 == 60 {
            out.push('\n');
        }
    }
    out
}
