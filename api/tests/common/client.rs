//! A keep-alive HTTP/1.1 client for the metering routes, as a gateway's connection pool uses.
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A keep-alive HTTP/1.1 connection sending `GET /v1/auth` (the gateway sub-request) with one key.
pub struct Client {
    conn: BufReader<TcpStream>,
    request: Vec<u8>,
}

impl Client {
    pub async fn new(port: u16, key: &str) -> Self {
        let conn = BufReader::new(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
        let request =
            format!("GET /v1/auth HTTP/1.1\r\nhost: localhost\r\nx-api-key: {key}\r\ncontent-length: 0\r\n\r\n");
        Client { conn, request: request.into_bytes() }
    }

    /// One check: its status and `x-vetmai-tier` header.
    pub async fn auth(&mut self) -> (u16, String) {
        self.try_auth().await.expect("the API answers")
    }

    /// [`Client::auth`], or the I/O error of a connection the server dropped (it was killed).
    pub async fn try_auth(&mut self) -> std::io::Result<(u16, String)> {
        self.conn.get_mut().write_all(&self.request).await?;
        let mut line = String::new();
        self.conn.read_line(&mut line).await?;
        let status = line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (mut length, mut tier) = (0usize, String::new());
        loop {
            line.clear();
            self.conn.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (name, value) = l.split_once(':').unwrap_or((l, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "x-vetmai-tier" => tier = value.trim().to_string(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        self.conn.read_exact(&mut body).await?;
        if length == 0 && status == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        Ok((status, tier))
    }
}
