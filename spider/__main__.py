from __future__ import annotations

from spider.cli import main

if __name__ == "__main__":
    main()
