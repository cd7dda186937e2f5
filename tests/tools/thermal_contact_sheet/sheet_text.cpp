#include "sheet_text.hpp"

#include <opencv2/imgproc.hpp>

namespace gatehouse::tools {

void put_label(cv::Mat& image, const std::string& text, cv::Point origin, double scale) {
    cv::putText(image, text, origin, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar::all(255), 1, cv::LINE_AA);
}

int label_width(const std::string& text, double scale) {
    int baseline = 0;
    return cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline).width;
}

}  // namespace gatehouse::tools
