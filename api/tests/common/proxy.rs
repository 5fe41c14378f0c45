//! A TCP proxy in front of Postgres that a test can freeze (connections open before stay open and
//! carry nothing more, as a half-open connection does; new ones pass) or cut (every connection
//! closed, new ones refused, as a stopped server).
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct State {
    /// Connections numbered at most this are frozen.
    frozen_upto: AtomicU64,
    next: AtomicU64,
    cut: AtomicBool,
}

pub struct Proxy {
    pub port: u16,
    state: Arc<State>,
}

impl Proxy {
    /// Listens on a free port and forwards to `127.0.0.1:target`.
    pub async fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                if st.cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let id = st.next.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(pipe(client, target, id, st.clone()));
            }
        });
        Proxy { port, state }
    }

    /// Connections open now carry nothing more (and are never closed); new ones pass.
    pub fn freeze(&self) {
        self.state.frozen_upto.store(self.state.next.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// Closes every connection and refuses new ones until [`Proxy::restore`].
    pub fn cut(&self) {
        self.state.cut.store(true, Ordering::SeqCst);
    }

    pub fn restore(&self) {
        self.state.cut.store(false, Ordering::SeqCst);
    }

    /// A proxy in front of the server of `url` (`postgres://user@host:port/db`), and the URL
    /// through it.
    pub async fn in_front_of(url: &str) -> (Proxy, String) {
        let at = url.rfind('@').map_or_else(|| url.find("://").map_or(0, |i| i + 3), |i| i + 1);
        let host_port = url[at..].split(['/', '?']).next().unwrap();
        let port: u16 = host_port.rsplit(':').next().unwrap().parse().expect("a port in the URL");
        let p = Proxy::start(port).await;
        let proxied = url.replacen(host_port, &format!("127.0.0.1:{}", p.port), 1);
        (p, proxied)
    }
}

async fn pipe(client: TcpStream, target: u16, id: u64, st: Arc<State>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await else { return };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let (mut a, mut b) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    let frozen = |st: &State| id <= st.frozen_upto.load(Ordering::SeqCst);
    loop {
        if st.cut.load(Ordering::SeqCst) {
            return;
        }
        if frozen(&st) {
            // Half-open: hold both sockets, carry nothing, until cut.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        tokio::select! {
            n = cr.read(&mut a) => match n {
                Ok(n) if n > 0 && !frozen(&st) => { if sw.write_all(&a[..n]).await.is_err() { return } }
                Ok(n) if n > 0 => {}
                _ => return,
            },
            n = sr.read(&mut b) => match n {
                Ok(n) if n > 0 && !frozen(&st) => { if cw.write_all(&b[..n]).await.is_err() { return } }
                Ok(n) if n > 0 => {}
                _ => return,
            },
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}
