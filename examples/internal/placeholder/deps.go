package placeholder

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/parquet-go/parquet-go"
	_ "modernc.org/sqlite"
	_ "golang.org/x/crypto/argon2"
	_ "github.com/govshare/govshare"
)
