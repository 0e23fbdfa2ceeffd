{
  "targets": [
    {
      "target_name": "takhin_native",
      "sources": ["src/addon.c", "src/crc32c.c", "src/scan.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "cflags!": ["-O2"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] }
    }
  ]
}
