//! One page of results and the numbers around it, as Flask-SQLAlchemy's `Pagination`.

/// A page of `per_page` items out of `total`, 1-based.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u64,
    /// The most items on a page.
    pub per_page: u64,
    /// Items over all pages.
    pub total: u64,
}

impl<T> Page<T> {
    /// The number of pages (0 when there are no items).
    pub fn pages(&self) -> u64 {
        if self.per_page == 0 {
            0
        } else {
            self.total.div_ceil(self.per_page)
        }
    }

    /// The 1-based number of the first item on this page, 0 when the page is empty.
    pub fn first_item(&self) -> u64 {
        if self.items.is_empty() {
            0
        } else {
            (self.page - 1)
                .saturating_mul(self.per_page)
                .saturating_add(1)
        }
    }

    /// The 1-based number of the last item on this page, 0 when the page is empty.
    pub fn last_item(&self) -> u64 {
        match self.items.len() as u64 {
            0 => 0,
            len => self.first_item() + len - 1,
        }
    }

    /// Flask-SQLAlchemy 3's name for [`first_item`](Self::first_item).
    pub fn first(&self) -> u64 {
        self.first_item()
    }

    /// Flask-SQLAlchemy 3's name for [`last_item`](Self::last_item).
    pub fn last(&self) -> u64 {
        self.last_item()
    }

    /// Whether a page comes before this one.
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    /// Whether a page comes after this one.
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    /// The previous page's number.
    pub fn prev_num(&self) -> Option<u64> {
        self.has_prev().then(|| self.page - 1)
    }

    /// The next page's number.
    pub fn next_num(&self) -> Option<u64> {
        self.has_next().then(|| self.page + 1)
    }

    /// The page numbers to show in a pager: the first `left_edge` pages, `left_current` pages
    /// before the current one to `right_current` after it, and the last `right_edge`, with
    /// `None` for each gap. The same sequence as Flask-SQLAlchemy 3's `iter_pages`, whose
    /// defaults are `(2, 2, 4, 2)`.
    pub fn iter_pages(
        &self,
        left_edge: u64,
        left_current: u64,
        right_current: u64,
        right_edge: u64,
    ) -> Vec<Option<u64>> {
        let pages_end = self.pages() + 1;
        let mut out = Vec::new();
        if pages_end == 1 {
            return out;
        }
        let left_end = (1 + left_edge).min(pages_end);
        out.extend((1..left_end).map(Some));
        if left_end == pages_end {
            return out;
        }
        let mid_start = left_end.max(self.page.saturating_sub(left_current));
        let mid_end = (self.page + right_current + 1).min(pages_end);
        if mid_start > left_end {
            out.push(None);
        }
        out.extend((mid_start..mid_end).map(Some));
        if mid_end == pages_end {
            return out;
        }
        let right_start = mid_end.max(pages_end.saturating_sub(right_edge));
        if right_start > mid_end {
            out.push(None);
        }
        out.extend((right_start..pages_end).map(Some));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(page: u64, pages: u64) -> Page<()> {
        Page {
            items: Vec::new(),
            page,
            per_page: 10,
            total: pages * 10,
        }
    }

    /// Expected sequences computed with Flask-SQLAlchemy 3's `Pagination.iter_pages`.
    #[test]
    fn iter_pages_matches_flask_sqlalchemy() {
        let show = |p: &Page<()>| -> String {
            p.iter_pages(2, 2, 4, 2)
                .iter()
                .map(|n| n.map_or("…".to_owned(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(show(&page(1, 20)), "1 2 3 4 5 … 19 20");
        assert_eq!(show(&page(10, 20)), "1 2 … 8 9 10 11 12 13 14 … 19 20");
        assert_eq!(show(&page(20, 20)), "1 2 … 18 19 20");
        assert_eq!(show(&page(5, 20)), "1 2 3 4 5 6 7 8 9 … 19 20");
        // The example of Flask-SQLAlchemy's docstring.
        assert_eq!(show(&page(7, 20)), "1 2 … 5 6 7 8 9 10 11 … 19 20");
        assert_eq!(show(&page(1, 3)), "1 2 3");
        assert_eq!(show(&page(1, 0)), "");
        assert_eq!(show(&page(4, 7)), "1 2 3 4 5 6 7");
    }

    #[test]
    fn neighbours() {
        let p = page(3, 5);
        assert_eq!(
            (p.pages(), p.prev_num(), p.next_num()),
            (5, Some(2), Some(4))
        );
        let last = page(5, 5);
        assert!(!last.has_next() && last.has_prev());
    }
}
