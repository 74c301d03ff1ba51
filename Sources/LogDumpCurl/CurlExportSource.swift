// CurlExportSource lives here.
