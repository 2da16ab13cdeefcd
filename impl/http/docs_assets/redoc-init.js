// Redoc for /redoc: the contract from /openapi.json. Served as a file so the CSP needs no
// inline script.
Redoc.init("/openapi.json", { hideDownloadButton: false }, document.getElementById("redoc"));
